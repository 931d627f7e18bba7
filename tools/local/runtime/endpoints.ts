/**
 * The run's two listeners besides the components: the gateway (Lambda, Step Functions and
 * EventBridge APIs, which the workers' own clients call) and the edge, the one AWS endpoint
 * every client can use, routing each request to the emulator or facade of its service.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Edge } from '../aws/edge';
import { startEdge } from '../aws/edge';
import { KinesisFacade } from '../aws/kinesis';
import { SqsMoveTasks } from '../aws/sqsMoveTasks';
import type { LocalClock } from '../clock';
import { cloudWatchApi } from '../cloudwatch/api';
import type { AlarmMonitor } from '../cloudwatch/monitor';
import type { Components } from '../components';
import { localQueueUrl } from '../emulators/sqs';
import type { EventBus } from '../eventBus';
import type { Gateway } from '../gateway';
import { startGateway } from '../gateway';
import type { FunctionHost } from '../lambda/host';
import type { StepFunctions } from '../stepFunctions';
import type { WiringModel } from '../wiring/model';
import type { LocalVariables } from '../wiring/variables';

export interface EndpointOptions {
  model: WiringModel;
  vars: LocalVariables;
  components: Components;
  host: FunctionHost;
  stepFunctions: StepFunctions;
  eventBus: EventBus;
  alarms: AlarmMonitor;
  clock: LocalClock;
  sqs: SQSClient;
  /** Port of the edge; 0 for a free one. */
  edgePort: number;
  onError(where: string): (error: Error) => void;
}

export async function startGatewayAndEdge(options: EndpointOptions): Promise<{ gateway: Gateway; edge: Edge }> {
  const { model, vars, components, onError } = options;
  const gateway = await startGateway({
    host: options.host,
    stepFunctions: options.stepFunctions,
    eventBus: options.eventBus,
    mappings: model.mappings,
    onError: onError('the Lambda API'),
  });
  const queueUrlOfArn = (arn: string) => localQueueUrl(components.sqsEndpoint, arn.split(':').pop() ?? '');
  try {
    const edge = await startEdge({
      port: options.edgePort,
      backends: {
        gateway: gateway.endpoint,
        sqs: components.sqsEndpoint,
        dynamodb: components.dynamoDbEndpoint,
        secretsManager: components.secrets.endpoint,
      },
      moveTasks: new SqsMoveTasks(options.sqs, queueUrlOfArn, onError('an SQS message move task')),
      // Kinesis' read API on the demand table's stream, for operator tools (ops stream replay).
      kinesis: new KinesisFacade({
        dynamoDbEndpoint: components.dynamoDbEndpoint,
        region: vars.region,
        streams: [{ streamArn: vars.demandTableStreamArn, tableName: vars.demandTableName }],
      }),
      cloudwatch: cloudWatchApi(options.alarms, () => options.clock.offsetMs()),
      onError: onError('the local AWS endpoint'),
    });
    return { gateway, edge };
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}
