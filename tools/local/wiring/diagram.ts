/**
 * The stacks as read from Terraform, drawn as a Mermaid flowchart for docs/wiring.md:
 * event sources, queues and their dead-letter queues, the topic and its filtered
 * subscriptions, functions, state machines, rules, the pipe, secrets and Kafka topics.
 * Edges a function sends along come from its environment variables (a variable whose value
 * is a queue URL, topic ARN, function name or secret ARN of the stacks). Kafka topics come
 * from the configuration (`kafka.topics`), attached to the function consuming the queue that
 * data-sns fills with that record type.
 */
import type { LambdaFunction, WiringModel } from './model';
import { arnService, modelIndex } from './model';

/** `prd2011-local-us-east-1-save-entries` → `save-entries`. */
export const shortName = (name: string): string => name.replace(/^prd\d+-[a-z0-9]+-[a-z]{2}-[a-z]+-\d+-/, '');

const id = (kind: string, name: string) => `${kind}_${shortName(name).replace(/[^A-Za-z0-9]/g, '_')}`;

const patternText = (pattern: unknown): string =>
  JSON.stringify(pattern)
    .replace(/"/g, "'")
    .replace(/[{}[\]]/g, (c) => ({ '{': '(', '}': ')', '[': '', ']': '' })[c] ?? c);

/** Mermaid source of the model. */
export function mermaid(model: WiringModel, kafkaTopics: Record<string, string>): string {
  const index = modelIndex(model);
  const lines: string[] = ['flowchart LR'];
  const edges: string[] = [];
  const byStack = new Map<string, string[]>();
  const node = (stack: string, text: string) => byStack.set(stack, [...(byStack.get(stack) ?? []), text]);

  const streamArns = new Set([...model.mappings.flatMap((m) => (m.kind === 'stream' ? [m.streamArn] : [])), ...model.pipes.map((p) => p.sourceArn)]);
  const streamIds = new Map([...streamArns].map((arn, i) => [arn, i === 0 ? 'demand_table_stream' : `stream_${i}`]));
  const streamId = (arn: string) => streamIds.get(arn)!;
  for (const arn of streamArns) {
    lines.push(`  ${streamId(arn)}[("demand-table stream<br/>Kinesis ${shortName(arn.split('/').pop() ?? arn)}")]`);
  }
  for (const q of model.queues) {
    const dlq = !model.mappings.some((m) => m.kind === 'sqs' && m.queueArn === q.arn) && !model.subscriptions.some((s) => s.endpoint === q.arn);
    node(q.stack, `    ${id('q', q.name)}[["${shortName(q.name)}${dlq ? '' : `<br/>visibility ${q.visibilityTimeoutSeconds} s`}"]]`);
    if (q.redrive) {
      edges.push(`  ${id('q', q.name)} -. after ${q.redrive.maxReceiveCount} receives .-> ${id('q', index.queueByRef(q.redrive.deadLetterTargetArn).name)}`);
    }
  }
  for (const t of model.topics) {
    node(t.stack, `    ${id('topic', t.name)}{{"${shortName(t.name)} (SNS)"}}`);
  }
  for (const s of model.subscriptions) {
    const filter = s.filterPolicy ? patternText(s.filterPolicy) : 'all';
    edges.push(`  ${id('topic', index.topicByRef(s.topicArn).name)} -- "${filter}${s.rawMessageDelivery ? ', raw' : ''}" --> ${id('q', index.queueByRef(s.endpoint).name)}`);
  }
  for (const f of model.functions) {
    node(f.stack, `    ${id('fn', f.name)}["λ ${f.worker}<br/>${f.timeoutSeconds} s, ${f.memoryMb} MB"]`);
    for (const [variable, value] of Object.entries(f.environment)) {
      const queue = model.queues.find((q) => q.url === value);
      const topic = model.topics.find((t) => t.arn === value);
      const target = model.functions.find((g) => g.name === value || g.arn === value);
      const secret = model.secrets.find((s) => s.arn === value);
      if (queue) {
        edges.push(`  ${id('fn', f.name)} -- "${variable}" --> ${id('q', queue.name)}`);
      } else if (topic) {
        edges.push(`  ${id('fn', f.name)} -- "${variable}" --> ${id('topic', topic.name)}`);
      } else if (target) {
        edges.push(`  ${id('fn', f.name)} -- "invokes (${variable})" --> ${id('fn', target.name)}`);
      } else if (secret) {
        edges.push(`  ${id('fn', f.name)} -. "reads (${variable})" .-> ${id('secret', secret.name)}`);
      }
    }
  }
  for (const s of model.secrets) {
    node(s.stack, `    ${id('secret', s.name)}[/"${shortName(s.name)} (secret)"/]`);
  }
  for (const m of model.mappings) {
    const fn = id('fn', m.functionName);
    const settings = [`batch ${m.batchSize}`, m.maximumBatchingWindowSeconds ? `window ${m.maximumBatchingWindowSeconds} s` : '', m.filters.length ? `${m.filters.length} filter(s)` : ''].filter(Boolean).join(', ');
    if (m.kind === 'sqs') {
      edges.push(`  ${id('q', index.queueByRef(m.queueArn).name)} -- "${settings}" --> ${fn}`);
    } else {
      const retry = `${m.bisectOnError ? 'bisect, ' : ''}${m.maximumRetryAttempts} retries`;
      edges.push(`  ${streamId(m.streamArn)} -- "${settings}, ${retry}" --> ${fn}`);
      if (m.onFailureDestinationArn) {
        edges.push(`  ${fn} -. on failure .-> ${id('q', index.queueByRef(m.onFailureDestinationArn).name)}`);
      }
    }
  }
  for (const p of model.pipes) {
    node(p.stack, `    ${id('pipe', p.name)}>"${shortName(p.name)} (pipe)"]`);
    edges.push(`  ${streamId(p.sourceArn)} -- "batch ${p.batchSize}, ${p.filters.length} filter(s)" --> ${id('pipe', p.name)}`);
    edges.push(`  ${id('pipe', p.name)} -- "input template" --> ${id('q', index.queueByRef(p.targetArn).name)}`);
    if (p.deadLetterArn) {
      edges.push(`  ${id('pipe', p.name)} -. on failure .-> ${id('q', index.queueByRef(p.deadLetterArn).name)}`);
    }
  }
  for (const sm of model.stateMachines) {
    node(sm.stack, `    ${id('sm', sm.name)}[/"${shortName(sm.name)} (${sm.type})"\\]`);
    const text = JSON.stringify(sm.definition);
    for (const f of model.functions.filter((g) => text.includes(`"${g.arn}"`))) {
      edges.push(`  ${id('sm', sm.name)} -- task --> ${id('fn', f.name)}`);
    }
  }
  for (const r of model.rules) {
    const label = r.scheduleExpression ?? patternText(r.eventPattern);
    node(r.stack, `    ${id('rule', r.name)}(["${shortName(r.name)} (rule)<br/>${label}"])`);
    for (const t of r.targets) {
      const service = arnService(t.arn);
      const target =
        service === 'lambda' ? id('fn', index.functionByRef(t.arn).name) : service === 'states' ? id('sm', index.stateMachineByRef(t.arn).name) : id('q', index.queueByRef(t.arn).name);
      edges.push(`  ${id('rule', r.name)} --> ${target}`);
    }
  }
  // Kafka: the function reading the queue data-sns fills with a type publishes to that type's topic.
  const kafkaEdges = new Set<string>();
  for (const s of model.subscriptions) {
    const types = (s.filterPolicy?.type as string[] | undefined) ?? [];
    for (const m of model.mappings.filter((x) => x.kind === 'sqs' && x.queueArn === s.endpoint)) {
      for (const type of types.filter((t) => kafkaTopics[t])) {
        lines.push(`  kafka_${type}[("Kafka ${kafkaTopics[type]}")]`);
        kafkaEdges.add(`  ${id('fn', m.functionName)} --> kafka_${type}`);
      }
    }
  }
  const subgraphs = [...byStack.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([stack, nodes]) => [`  subgraph ${stack}`, ...nodes, '  end']);
  return [...new Set(lines), ...subgraphs, ...new Set([...edges, ...kafkaEdges])].join('\n');
}

/**
 * What runs a function, in words: its queues (or their count), the stream, rules, state
 * machines, and the functions that invoke it (a variable naming it); empty for none.
 */
export function triggersOf(model: WiringModel, f: LambdaFunction): string[] {
  const index = modelIndex(model);
  const mappings = model.mappings.filter((m) => m.functionName === f.name || m.functionName === f.arn);
  const queues = mappings.flatMap((m) => (m.kind === 'sqs' ? [shortName(index.queueByRef(m.queueArn).name)] : []));
  return [
    ...(queues.length > 2 ? [`${queues.length} queues`] : queues),
    ...(mappings.some((m) => m.kind === 'stream') ? ['demand-table stream'] : []),
    ...model.rules.filter((r) => r.targets.some((t) => t.arn === f.arn)).map((r) => `rule ${shortName(r.name)}`),
    ...model.stateMachines.filter((s) => JSON.stringify(s.definition).includes(`"${f.arn}"`)).map((s) => shortName(s.name)),
    ...model.functions.filter((g) => Object.values(g.environment).some((v) => v === f.name || v === f.arn)).map((g) => `invoked by ${g.worker}`),
  ];
}

/** Worker → function → trigger, as a Markdown table (the README; `npm start` prints the same). */
export function functionTable(model: WiringModel): string {
  const rows = model.functions.map((f) => `| ${f.worker} | \`${f.name}\` | ${triggersOf(model, f).join(', ') || 'direct invocation'} |`).sort();
  return `| worker | function (environment \`local\`) | trigger |\n|---|---|---|\n${rows.join('\n')}`;
}

/** The diagram as a fenced Mermaid block (docs/wiring.md and the README embed it). */
export const mermaidBlock = (model: WiringModel, kafkaTopics: Record<string, string>): string =>
  `\`\`\`mermaid\n${mermaid(model, kafkaTopics)}\n\`\`\``;

/** docs/wiring.md: the diagram and a reference table of the event source mappings and queues. */
export function wiringMarkdown(model: WiringModel, kafkaTopics: Record<string, string>): string {
  const index = modelIndex(model);
  const mappings = model.mappings
    .map((m) => {
      const fn = index.functionByRef(m.functionName).worker;
      const source = m.kind === 'sqs' ? shortName(index.queueByRef(m.queueArn).name) : 'demand-table stream';
      const extra =
        m.kind === 'stream'
          ? `${m.startingPosition}, bisect ${m.bisectOnError ? 'on' : 'off'}, ${m.maximumRetryAttempts} retries, on failure → ${m.onFailureDestinationArn ? shortName(index.queueByRef(m.onFailureDestinationArn).name) : '—'}`
          : '';
      const filters = m.filters.map((f) => `\`${JSON.stringify(f)}\``).join('<br/>') || '—';
      return `| ${fn} | ${source} | ${m.batchSize} | ${m.maximumBatchingWindowSeconds} s | ${m.reportBatchItemFailures ? 'yes' : 'no'} | ${filters} | ${extra || '—'} |`;
    })
    .sort();
  const queues = model.queues
    .filter((q) => q.redrive)
    .map((q) => `| ${shortName(q.name)} | ${q.visibilityTimeoutSeconds} s | ${q.redrive!.maxReceiveCount} | ${shortName(index.queueByRef(q.redrive!.deadLetterTargetArn).name)} |`)
    .sort();
  return `# Wiring of the stacks

Generated by \`npm run diagram\` from \`terraform/stacks/*\`, read with the local runtime's HCL
evaluator (variables: each stack's \`tm-nonprod/dev1/terraform.tfvars\`, environment \`local\`),
and from the dev configuration (\`configs/dev.config.yml\` over \`default.config.yml\`) for the
Kafka topics. Do not edit it by hand: a test regenerates it and fails when it differs. Names are
resource names without the \`{product-code}-{environment}-{region}-\` prefix. The local runtime
(\`npm start\`, docs/local-runtime.md) runs exactly this wiring.

${mermaidBlock(model, kafkaTopics)}

## Functions

${functionTable(model)}

## Event source mappings

| function | source | batch | window | partial batch | filters | stream settings |
|---|---|---|---|---|---|---|
${mappings.join('\n')}

## Queues with a dead-letter queue

| queue | visibility timeout | max receives | dead-letter queue |
|---|---|---|---|
${queues.join('\n')}
`;
}
