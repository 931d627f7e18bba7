import { jsonToQueryXml, queryErrorXml, queryToJson } from './sqsQuery';

const form = (entries: Record<string, string>) => new URLSearchParams(entries);

describe("SQS's query protocol", () => {
  it('turns flattened lists, Name/Value maps, batch entries and integers into the JSON shapes', () => {
    expect(
      queryToJson(
        form({
          Action: 'SendMessageBatch',
          Version: '2012-11-05',
          QueueUrl: 'http://127.0.0.1:4566/000000000000/q',
          'SendMessageBatchRequestEntry.2.Id': 'b',
          'SendMessageBatchRequestEntry.2.MessageBody': 'two',
          'SendMessageBatchRequestEntry.1.Id': 'a',
          'SendMessageBatchRequestEntry.1.MessageBody': 'one',
          'SendMessageBatchRequestEntry.1.DelaySeconds': '5',
          'SendMessageBatchRequestEntry.1.MessageAttribute.1.Name': 'origin',
          'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType': 'String',
          'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue': 'cli',
        }),
      ),
    ).toEqual({
      action: 'SendMessageBatch',
      input: {
        QueueUrl: 'http://127.0.0.1:4566/000000000000/q',
        Entries: [
          {
            Id: 'a',
            MessageBody: 'one',
            DelaySeconds: 5,
            MessageAttributes: { origin: { DataType: 'String', StringValue: 'cli' } },
          },
          { Id: 'b', MessageBody: 'two' },
        ],
      },
    });
    expect(
      queryToJson(
        form({
          Action: 'CreateQueue',
          QueueName: 'q',
          'Attribute.1.Name': 'VisibilityTimeout',
          'Attribute.1.Value': '7',
          'Tag.1.Key': 'team',
          'Tag.1.Value': 'reg',
        }),
      ).input,
    ).toEqual({
      QueueName: 'q',
      Attributes: { VisibilityTimeout: '7' },
      Tags: { team: 'reg' },
    });
    expect(
      queryToJson(
        form({
          Action: 'ReceiveMessage',
          'AttributeName.1': 'All',
          'MessageAttributeName.1': 'All',
          MaxNumberOfMessages: '10',
        }),
      ).input,
    ).toEqual({
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      MaxNumberOfMessages: 10,
    });
  });

  it('answers with flattened lists and Name/Value pairs, escaping text', () => {
    const xml = jsonToQueryXml(
      'ReceiveMessage',
      {
        Messages: [
          {
            MessageId: 'm1',
            Body: 'a <b> & "c"',
            Attributes: { ApproximateReceiveCount: '1' },
            MessageAttributes: { origin: { DataType: 'String', StringValue: 'cli' } },
          },
        ],
      },
      'r1',
    );
    expect(xml).toContain(
      '<ReceiveMessageResult><Message><MessageId>m1</MessageId><Body>a &lt;b&gt; &amp; &quot;c&quot;</Body><Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>' +
        '<MessageAttribute><Name>origin</Name><Value><DataType>String</DataType><StringValue>cli</StringValue></Value></MessageAttribute></Message></ReceiveMessageResult>',
    );
    expect(jsonToQueryXml('ListQueues', { QueueUrls: ['u1', 'u2'] }, 'r')).toContain(
      '<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl></ListQueuesResult>',
    );
    expect(
      jsonToQueryXml('SendMessageBatch', { Successful: [{ Id: 'a' }], Failed: [{ Id: 'b', SenderFault: true }] }, 'r'),
    ).toContain(
      '<SendMessageBatchResultEntry><Id>a</Id></SendMessageBatchResultEntry><BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault></BatchResultErrorEntry>',
    );
  });

  it("names errors with the query code where SQS's differs from the JSON one", () => {
    expect(
      queryErrorXml(
        { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'gone' },
        'AWS.SimpleQueueService.NonExistentQueue;Sender',
        'r',
      ),
    ).toContain('<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>gone</Message>');
    expect(
      queryErrorXml(
        { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'bad' },
        'AWS.SimpleQueueService.InvalidParameterValue;Sender',
        'r',
      ),
    ).toContain('<Code>InvalidParameterValue</Code>');
  });

  it('reads parameters named like Object members as data, and changes no object of the process', () => {
    const { input } = queryToJson(
      form({
        Action: 'SendMessage',
        '__proto__.polluted': 'yes',
        'constructor.1': 'a',
        'toString.prototype.x': 'b',
        MessageBody: 'hi',
      }),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(JSON.parse(JSON.stringify(input))).toEqual({
      ['__proto__']: { polluted: 'yes' },
      constructor: ['a'],
      toString: { prototype: { x: 'b' } },
      MessageBody: 'hi',
    });
  });
});
