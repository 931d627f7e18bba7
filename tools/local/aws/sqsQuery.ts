/**
 * SQS's query protocol (form-encoded requests, XML answers), which clients older than 2023 send
 * (Debian's awscli 2.9, boto3 before 1.31, the AWS SDK for Java 1), translated to and from the
 * JSON protocol fauxqs speaks. The two carry the same shapes under different names: a list
 * member `AttributeNames` travels as `AttributeName.1`, `AttributeName.2`; a map `Attributes` as
 * `Attribute.1.Name` / `Attribute.1.Value`; batch entries as `SendMessageBatchRequestEntry.1.Id`.
 * The renames below are those of the SQS API model (2012-11-05); answers follow the same model,
 * with lists flattened (`<QueueUrl>` repeated) and maps as Name/Value (Key/Value for tags) pairs.
 */

/** Query names of list and map members, and their JSON names. */
const QUERY_TO_JSON: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  Attribute: 'Attributes',
  MessageAttribute: 'MessageAttributes',
  MessageSystemAttribute: 'MessageSystemAttributes',
  Tag: 'Tags',
  TagKey: 'TagKeys',
  SendMessageBatchRequestEntry: 'Entries',
  DeleteMessageBatchRequestEntry: 'Entries',
  ChangeMessageVisibilityBatchRequestEntry: 'Entries',
  AWSAccountId: 'AWSAccountIds',
  ActionName: 'Actions',
  StringListValue: 'StringListValues',
  BinaryListValue: 'BinaryListValues',
};

/** Map members: their entries' key and value names in the query protocol. */
const MAPS: Record<string, [key: string, value: string]> = {
  Attributes: ['Name', 'Value'],
  MessageAttributes: ['Name', 'Value'],
  MessageSystemAttributes: ['Name', 'Value'],
  Tags: ['Key', 'Value'],
};

/** Integer members (the JSON protocol sends them as numbers). */
const INTEGERS = new Set([
  'MaxNumberOfMessages',
  'VisibilityTimeout',
  'WaitTimeSeconds',
  'DelaySeconds',
  'MaxResults',
  'MaxNumberOfMessagesPerSecond',
]);

type Tree = { [key: string]: Tree | string } | string;

/** A form body as the action and its JSON-protocol input. */
export function queryToJson(form: URLSearchParams): { action: string; input: Record<string, unknown> } {
  // Null-prototype nodes: a parameter named `__proto__.x` or `constructor.1` is data, never
  // Object.prototype (a form body must not change this process's objects).
  const root: { [key: string]: Tree } = Object.create(null) as { [key: string]: Tree };
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') {
      continue;
    }
    const parts = key.split('.');
    let node = root;
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1) {
        node[part] = value;
      } else {
        const next = node[part];
        node = (typeof next === 'object' ? next : (node[part] = Object.create(null) as { [key: string]: Tree })) as {
          [key: string]: Tree;
        };
      }
    }
  }
  return { action: form.get('Action') ?? '', input: convert(root) as Record<string, unknown> };
}

function convert(tree: Tree, name = ''): unknown {
  if (typeof tree === 'string') {
    return INTEGERS.has(name) && /^-?\d+$/.test(tree) ? Number(tree) : tree;
  }
  const keys = Object.keys(tree);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    const items = keys.sort((a, b) => Number(a) - Number(b)).map((k) => convert(tree[k]));
    const map = Object.hasOwn(MAPS, name) ? MAPS[name] : undefined;
    if (map) {
      const [keyName, valueName] = map;
      return Object.fromEntries(
        (items as Record<string, unknown>[]).map((item) => [String(item[keyName]), item[valueName]]),
      );
    }
    return items;
  }
  return Object.fromEntries(
    keys.map((k) => {
      const jsonName = Object.hasOwn(QUERY_TO_JSON, k) ? QUERY_TO_JSON[k] : k;
      return [jsonName, convert(tree[k], jsonName)];
    }),
  );
}

const NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

const escape = (text: string) =>
  text.replace(
    /[&<>"'\r]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[c]!,
  );

/** Query names of list members in answers (lists are flattened: one element per item). */
function listElement(action: string, key: string): string {
  switch (key) {
    case 'QueueUrls':
    case 'queueUrls':
      return 'QueueUrl';
    case 'Messages':
      return 'Message';
    case 'Successful':
      return `${action}ResultEntry`;
    case 'Failed':
      return 'BatchResultErrorEntry';
    case 'Results':
      return `${action}ResultEntry`;
    default:
      return key.replace(/s$/, '');
  }
}

function members(action: string, value: Record<string, unknown>): string {
  let xml = '';
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) {
      continue;
    }
    const map = MAPS[key];
    if (map && typeof v === 'object' && !Array.isArray(v)) {
      const [keyName, valueName] = map;
      const element = key.replace(/s$/, '');
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        xml += `<${element}><${keyName}>${escape(k)}</${keyName}>${xmlElement(valueName, action, item)}</${element}>`;
      }
    } else if (Array.isArray(v)) {
      const element = listElement(action, key);
      xml += v.map((item) => xmlElement(element, action, item)).join('');
    } else {
      xml += xmlElement(key, action, v);
    }
  }
  return xml;
}

function xmlElement(name: string, action: string, value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    return `<${name}>${members(action, value as Record<string, unknown>)}</${name}>`;
  }
  return `<${name}>${escape(String(value))}</${name}>`;
}

/** A JSON-protocol answer of `action` as the query protocol's XML. */
export function jsonToQueryXml(action: string, output: Record<string, unknown>, requestId: string): string {
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${NAMESPACE}"><${action}Result>${members(action, output)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/**
 * A JSON-protocol error as the query protocol's. The query code is the one fauxqs names in
 * `x-amzn-query-error` (`AWS.SimpleQueueService.NonExistentQueue;Sender`) when it differs from
 * the JSON code, as AWS's does; otherwise the JSON code (`InvalidParameterValue`).
 */
export function queryErrorXml(
  error: { __type?: string; message?: string },
  queryErrorHeader: string | undefined,
  requestId: string,
): string {
  const code = String(error.__type ?? 'InternalError').replace(/^.*#/, '');
  const [headerCode, fault = 'Sender'] = (queryErrorHeader ?? '').split(';');
  const queryCode = headerCode && headerCode !== `AWS.SimpleQueueService.${code}` ? headerCode : code;
  return (
    `<?xml version="1.0"?><ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${escape(fault)}</Type><Code>${escape(queryCode)}</Code>` +
    `<Message>${escape(error.message ?? '')}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
