import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostResult {
  readonly status: number;
  readonly body: string;
}

export interface PostOptions {
  readonly headers: Record<string, string>;
  readonly agent?: Agent;
  readonly ca?: string;
  readonly timeoutMs: number;
  /** Larger answers are cut off and rejected: a token response is a few KiB. */
  readonly maxBytes?: number;
}

/**
 * POSTs a form with node:http(s) rather than fetch, because fetch in Node 22 ignores HTTPS_PROXY
 * and cannot take the CONNECT agent or an extra CA that the edge connection uses.
 */
export function postForm(
  url: URL,
  form: URLSearchParams,
  options: PostOptions,
): Promise<PostResult> {
  const body = Buffer.from(form.toString());
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
        accept: 'application/json',
      },
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      timeout: options.timeoutMs,
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.destroy(new Error(`response larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.once('error', reject);
    });
    req.end(body);
  });
}
