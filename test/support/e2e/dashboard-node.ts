/**
 * A real node serving the built dashboard for browser tests: `startTestNode` with a known admin
 * token, on a free port, with job packages written before its first scan.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TimecloudNode } from '../../../src/main.js';
import { tempDir } from '../temp-dir.js';
import { startTestNode, type TestNode } from '../test-node.js';
import { UI_DIST } from './ui-build.js';

export interface DashboardNodeOptions {
  /** Writes job packages into the (empty) jobs folder before the node starts. */
  prepareJobs?: (jobsDir: string) => Promise<void>;
  /** @defaultValue 2 */
  slots?: number;
  /** The node config's `alerts` section (see `startTestNode`); no alerting without it. */
  alerts?: unknown;
  /** Environment for alert secrets. @defaultValue {} */
  env?: Record<string, string | undefined>;
}

export interface DashboardNode {
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  node: TimecloudNode;
  testNode: TestNode;
  jobsDir: string;
  cleanup(): Promise<void>;
}

export async function startDashboardNode(options: DashboardNodeOptions = {}): Promise<DashboardNode> {
  const folder = await tempDir('timecloud-dashboard-');
  const jobsDir = join(folder.path, 'jobs');
  await mkdir(jobsDir, { recursive: true });
  await options.prepareJobs?.(jobsDir);
  const token = randomBytes(24).toString('base64url');
  const testNode = await startTestNode({
    jobsDir,
    dataDir: join(folder.path, 'data'),
    slots: options.slots ?? 2,
    ...(options.alerts === undefined ? {} : { alerts: options.alerts }),
    ...(options.env ? { env: options.env } : {}),
    node: { token, http: { uiDir: UI_DIST } },
  });
  return {
    url: testNode.node.http.url,
    token,
    node: testNode.node,
    testNode,
    jobsDir,
    async cleanup() {
      await testNode.cleanup();
      await folder.remove();
    },
  };
}
