/**
 * Text generation behind one small interface, and its client for OpenAI-compatible servers (vLLM,
 * llama.cpp server, Ollama, OpenAI): POST {baseUrl}/chat/completions. Network errors, timeouts,
 * HTTP 408/429/5xx and malformed bodies are retried with exponential backoff that honours Retry-After.
 * Other HTTP errors fail at once, because retrying a wrong key or model name cannot help.
 */

export interface GenerateOptions {
  maxTokens?: number;
  temperature?: number;
  /** Sampling seed, for servers that support reproducible sampling. */
  seed?: number;
  stop?: string[];
  signal?: AbortSignal;
}

/** Text generation as the augmentation methods use it; the local WebGPU engine will implement it too. */
export interface TextGenerator {
  /** Model name for records and messages. */
  readonly name: string;
  generate(prompt: string, options?: GenerateOptions): Promise<string>;
}

export interface RemoteEndpoint {
  /** Base URL including the API prefix, e.g. http://127.0.0.1:8000/v1. */
  baseUrl: string;
  model: string;
  /** Sent as a Bearer token; kept in memory unless the user chooses to store it. */
  apiKey?: string;
}

export type RemoteFailureKind = 'network' | 'timeout' | 'http' | 'malformed' | 'aborted';

export class RemoteGenerationError extends Error {
  constructor(
    message: string,
    readonly kind: RemoteFailureKind,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RemoteGenerationError';
  }
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RemoteClientOptions {
  /** Per-request limit in milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** First backoff delay in milliseconds; it doubles per retry (default 500). */
  backoffMs?: number;
  /** Largest delay between attempts in milliseconds, Retry-After included (default 30 000). */
  maxBackoffMs?: number;
  fetch?: typeof fetch;
  onRetry?: (info: RetryInfo) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Seconds or an HTTP date, as in the Retry-After header; null when absent or invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

class AttemptError extends Error {
  constructor(
    message: string,
    readonly kind: RemoteFailureKind,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number | null,
  ) {
    super(message);
  }
}

export class OpenAiCompatibleClient implements TextGenerator {
  readonly name: string;
  private readonly url: string;
  private readonly options: Required<Omit<RemoteClientOptions, 'onRetry' | 'fetch'>> & Pick<RemoteClientOptions, 'onRetry' | 'fetch'>;

  constructor(
    private readonly endpoint: RemoteEndpoint,
    options: RemoteClientOptions = {},
  ) {
    if (!/^https?:\/\//.test(endpoint.baseUrl)) throw new Error(`base URL must start with http:// or https://, got "${endpoint.baseUrl}"`);
    if (!endpoint.model.trim()) throw new Error('model name is missing');
    this.url = `${endpoint.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.name = endpoint.model;
    this.options = { timeoutMs: 120_000, maxRetries: 4, backoffMs: 500, maxBackoffMs: 30_000, ...options };
  }

  async generate(prompt: string, options: GenerateOptions = {}): Promise<string> {
    const body = JSON.stringify({
      model: this.endpoint.model,
      messages: [{ role: 'user', content: prompt }],
      ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.stop && options.stop.length > 0 ? { stop: options.stop } : {}),
    });
    const { maxRetries, backoffMs, maxBackoffMs } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(body, options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw new RemoteGenerationError('generation was cancelled', 'aborted', attempt);
        if (!(error instanceof AttemptError)) throw error;
        if (!error.retryable || attempt > maxRetries) {
          const tries = attempt === 1 ? '' : ` (failed ${attempt} attempts)`;
          throw new RemoteGenerationError(`${error.message}${tries}`, error.kind, attempt, error.status);
        }
        const backoff = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
        const delayMs = Math.min(maxBackoffMs, Math.max(backoff, error.retryAfterMs ?? 0));
        this.options.onRetry?.({ attempt, delayMs, reason: error.message });
        await sleep(delayMs, options.signal).catch(() => {
          throw new RemoteGenerationError('generation was cancelled', 'aborted', attempt);
        });
      }
    }
  }

  private async attempt(body: string, signal?: AbortSignal): Promise<string> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new DOMException('timeout', 'TimeoutError')), this.options.timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.endpoint.apiKey) headers.authorization = `Bearer ${this.endpoint.apiKey}`;
    try {
      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(this.url, { method: 'POST', headers, body, signal: controller.signal });
      } catch (error) {
        if (controller.signal.aborted && !signal?.aborted) throw new AttemptError(`no reply from ${this.url} within ${this.options.timeoutMs} ms`, 'timeout', true);
        throw new AttemptError(`cannot reach ${this.url}: ${(error as Error).message}`, 'network', true);
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        if (controller.signal.aborted && !signal?.aborted) throw new AttemptError(`reply from ${this.url} did not finish within ${this.options.timeoutMs} ms`, 'timeout', true);
        throw new AttemptError(`reply from ${this.url} broke off: ${(error as Error).message}`, 'network', true);
      }
      if (!response.ok) {
        const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
        let hint = '';
        if (response.status === 401 || response.status === 403) hint = ' Check the API key.';
        if (response.status === 404) hint = ' Check the base URL (it usually ends in /v1) and the model name.';
        throw new AttemptError(`HTTP ${response.status} from ${this.url}: ${text.slice(0, 200).trim() || response.statusText}.${hint}`, 'http', retryable, response.status, parseRetryAfter(response.headers.get('retry-after')));
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new AttemptError(`malformed reply from ${this.url}: not JSON (${JSON.stringify(text.slice(0, 80))})`, 'malformed', true);
      }
      const content = (json as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new AttemptError(`malformed reply from ${this.url}: no choices[0].message.content string`, 'malformed', true);
      return content;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
