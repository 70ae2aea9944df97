/**
 * An http step, locally: what Step Functions' HTTP Task (`http:invoke`) does, with `fetch`. It answers in the
 * Task's result shape (`StatusCode`, `StatusText`, `Headers`, `ResponseBody`: parsed when the answer is JSON,
 * text otherwise) and fails a non-2xx answer with `States.Http.StatusCode.<code>`, the body in its cause. Plain
 * http:// is allowed here (AWS calls HTTPS endpoints only). Aborting the signal aborts the request.
 */

/** The Task's parameters, as the NodeMachine's http states resolve them. */
export interface HttpInvokeParameters {
  ApiEndpoint: string;
  Method: string;
  Headers?: Record<string, string>;
  RequestBody?: string;
}

/** The HTTP Task's result. A type, not an interface: the interpreter's handlers return JSON values. */
export type HttpInvokeResult = {
  StatusCode: number;
  StatusText: string;
  Headers: Record<string, string>;
  ResponseBody: unknown;
};

/** How much of an error answer's body its cause carries. */
const CAUSE_BODY_LIMIT = 1000;

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

const isJson = (contentType: string | null) =>
  contentType !== null && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim());

function bodyOf(text: string, contentType: string | null): unknown {
  if (!isJson(contentType) || text.trim() === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function trimmed(text: string): string {
  const flat = text.trim();
  return flat.length > CAUSE_BODY_LIMIT ? `${flat.slice(0, CAUSE_BODY_LIMIT)}…` : flat;
}

export async function invokeHttp(
  parameters: HttpInvokeParameters,
  signal: AbortSignal,
): Promise<HttpInvokeResult> {
  let response: Response;
  try {
    response = await fetch(parameters.ApiEndpoint, {
      method: parameters.Method,
      headers: parameters.Headers ?? {},
      ...(parameters.RequestBody === undefined ? {} : { body: parameters.RequestBody }),
      signal,
      redirect: 'follow',
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : '';
    throw named(
      'States.Http.Socket',
      `${parameters.Method} ${parameters.ApiEndpoint}: ${reason || (error as Error).message}`,
    );
  }
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const body = trimmed(text);
    throw named(`States.Http.StatusCode.${response.status}`, body === '' ? status : `${status}: ${body}`);
  }
  return {
    StatusCode: response.status,
    StatusText: response.statusText,
    Headers: Object.fromEntries(response.headers),
    ResponseBody: bodyOf(text, response.headers.get('content-type')),
  };
}
