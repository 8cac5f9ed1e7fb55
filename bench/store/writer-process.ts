/** Starts `writer.child.ts` as a separate process and reads its one-line JSON result. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SqliteWriterMode } from '../../src/store/sqlite/sqlite-store-options.js';

export interface WriterProcess {
  /** Resolves once the child has opened the store. */
  ready: Promise<void>;
  /** Tells the child to start. */
  go(): void;
  /** The child's JSON result. */
  result: Promise<unknown>;
}

export function startWriter(file: string, writer: SqliteWriterMode, args: string[]): WriterProcess {
  // From sources (node --import tsx) the child is TypeScript too; built, it is dist's .js.
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(fromSource ? './writer.child.ts' : './writer.child.js', import.meta.url));
  const loader = fromSource ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, script, file, writer, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the writer process ended early (exit ${child.exitCode})`);
    return line.value;
  };
  const ready = next().then(() => undefined);
  const result = ready.then(async () => {
    const value = JSON.parse(await next()) as unknown;
    await once(child, 'exit');
    return value;
  });
  return { ready, go: () => child.stdin.end('go\n'), result };
}
