/**
 * A local DynamoDB for tests and the local stack: dynalite (DynamoDB's API,
 * conditional writes and consistent reads included, data in memory) on
 * 127.0.0.1 and a free port, with the lease table the construct creates.
 * dynalite has no TTL: nothing is ever deleted, which the handler never
 * relies on anyway (TTL is garbage collection only).
 *
 * ```ts
 * const dynamodb = await startDynamoDb();
 * await dynamodb.createLeaseTable('leases');
 * Object.assign(process.env, dynamodb.env); // the SDK now talks to it
 * await dynamodb.stop();
 * ```
 */
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LEASE_ATTRIBUTES } from '../../src/lease-schema';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

/** A request dynalite served. */
export interface DynamoDbRequest {
  /** The operation (`GetItem`, `PutItem`, `UpdateItem` …). */
  readonly operation: string;
  readonly table?: string;
  /** The item's `key` attribute, for item operations. */
  readonly key?: string;
  /** The client connection it came on (1, 2, … in order of arrival): one per container and SDK client, kept alive. */
  readonly connection: number;
  readonly status: number;
  /** The request's body. */
  readonly input: Record<string, any>;
  /** The response's body. */
  readonly output: Record<string, any>;
}

/** A running local DynamoDB. */
export interface LocalDynamoDb {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** Environment for any AWS SDK process that should use it (endpoint, dummy credentials, region). */
  readonly env: Readonly<Record<string, string>>;
  /** A client for the test itself. */
  readonly client: DynamoDBClient;
  /** Every request served, in order of completion. */
  readonly requests: DynamoDbRequest[];
  /** Calls `listener` with every request served from now on; returns the function that stops it. */
  onRequest(listener: (request: DynamoDbRequest) => void): () => void;
  /** Creates a table shaped as the construct's lease table (the key as partition key, on demand). */
  createLeaseTable(name: string): Promise<void>;
  /** Every item of `table`, as DynamoDB returns them. */
  items(table: string): Promise<Array<Record<string, unknown>>>;
  /** Closes the server (its data goes with it). */
  stop(): Promise<void>;
}

/** Starts dynalite in memory on 127.0.0.1. */
export async function startDynamoDb(): Promise<LocalDynamoDb> {
  // Tables are ACTIVE at once (dynalite's default makes a new one CREATING for half a second).
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const requests: DynamoDbRequest[] = [];
  const listeners = new Set<(request: DynamoDbRequest) => void>();
  const connections = new WeakMap<Socket, number>();
  let nextConnection = 1;
  // Listens alongside dynalite (before it), reading the same body and what it answers.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    let connection = connections.get(req.socket);
    if (connection === undefined) connections.set(req.socket, (connection = nextConnection++));
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      const input = parseJson(Buffer.concat(chunks).toString());
      const body = args[0];
      const request: DynamoDbRequest = {
        operation: String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '',
        table: input.TableName,
        key: input.Key?.[LEASE_ATTRIBUTES.key]?.S ?? input.Item?.[LEASE_ATTRIBUTES.key]?.S,
        connection: connection!,
        status: res.statusCode,
        input,
        output: typeof body === 'string' || Buffer.isBuffer(body) ? parseJson(body.toString()) : {},
      };
      requests.push(request);
      for (const listener of listeners) listener(request);
      return end(...args);
    }) as typeof res.end;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = { AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_ACCESS_KEY_ID: 'DYNALITE', AWS_SECRET_ACCESS_KEY: 'DYNALITE', AWS_REGION: 'us-east-1' };
  const client = new DynamoDBClient({
    endpoint, region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  return {
    endpoint,
    env,
    client,
    requests,
    onRequest: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    createLeaseTable: async (name) => {
      await client.send(new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: LEASE_ATTRIBUTES.key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: LEASE_ATTRIBUTES.key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }));
    },
    items: async (table) => {
      const items: Array<Record<string, unknown>> = [];
      let start: Record<string, any> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    stop: async () => {
      client.destroy();
      server.closeAllConnections?.();
      server.close();
      await once(server, 'close');
    },
  };
}

function parseJson(text: string): Record<string, any> {
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    return {};
  }
}
