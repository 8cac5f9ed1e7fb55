/**
 * The payload rules of the WeCom APIs as documented, checked by the test server: message
 * types, content size in UTF-8 bytes, mention syntax, integer `agentid`, user id lists.
 */
import type { WecomApp } from './wecom-server.js';

const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** What is wrong with a robot payload, or `undefined`. */
export function robotProblem(body: Record<string, unknown>): string | undefined {
  const { msgtype } = body;
  if (msgtype === 'markdown') {
    const markdown = body.markdown as Record<string, unknown> | undefined;
    const content = markdown?.content;
    if (typeof content !== 'string' || content === '') return 'markdown.content missing';
    if (bytes(content) > 4096) return `markdown.content is ${bytes(content)} bytes, over 4096`;
    if ('mentioned_list' in (markdown ?? {})) return 'markdown messages mention with <@userid> in the content, not mentioned_list';
    for (const [, id] of content.matchAll(/<@([^>]*)>/g)) if (!USER_ID.test(id ?? '')) return `bad mention <@${id}>`;
    return undefined;
  }
  if (msgtype === 'text') {
    const text = body.text as Record<string, unknown> | undefined;
    const content = text?.content;
    if (typeof content !== 'string' || content === '') return 'text.content missing';
    if (bytes(content) > 2048) return `text.content is ${bytes(content)} bytes, over 2048`;
    if (text?.mentioned_list !== undefined && !isStringArray(text.mentioned_list)) return 'mentioned_list must be a list of user ids';
    if (text?.mentioned_mobile_list !== undefined && !isStringArray(text.mentioned_mobile_list)) return 'mentioned_mobile_list must be a list';
    return undefined;
  }
  return `unsupported msgtype ${JSON.stringify(msgtype)}`;
}

export function appProblem(body: Record<string, unknown>, app: WecomApp): string | undefined {
  if (typeof body.agentid !== 'number' || !Number.isInteger(body.agentid)) return `agentid must be an integer, got ${JSON.stringify(body.agentid)}`;
  if (body.agentid !== app.agentId) return `agentid ${body.agentid} is not this app's`;
  if (body.touser === undefined && body.toparty === undefined && body.totag === undefined) return 'no touser, toparty or totag';
  if (body.touser !== undefined && (typeof body.touser !== 'string' || !body.touser.split('|').every((id) => USER_ID.test(id)))) {
    return 'touser must be user ids joined by |';
  }
  const type = body.msgtype;
  if (type !== 'markdown' && type !== 'text') return `unsupported msgtype ${JSON.stringify(type)}`;
  const content = (body[type] as { content?: unknown } | undefined)?.content;
  if (typeof content !== 'string' || content === '') return `${type}.content missing`;
  if (bytes(content) > 2048) return `${type}.content is ${bytes(content)} bytes, over 2048`;
  return undefined;
}
