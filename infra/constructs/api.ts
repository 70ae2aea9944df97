import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { gatewayPath, resourceNames, resources } from '../../shared/routes.ts';
import type { FloeHandlers } from './handlers.ts';
import { logRetentionOf } from './settings.ts';

/** One JSON line per request; only variables HTTP APIs support. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    httpMethod: '$context.httpMethod',
    path: '$context.path',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

/** Requests per second the stage serves in the steady state, and the burst above it (API Gateway's token bucket). */
export interface ApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Far above what PaddleFlow's clients send, far below the account's 10,000/s shared with everything else. */
export const DEFAULT_API_THROTTLE: ApiThrottle = { rateLimit: 100, burstLimit: 200 };

export interface FloeApiProps {
  readonly handlers: FloeHandlers;
  /** `floe:apiRateLimit` / `floe:apiBurstLimit`; DEFAULT_API_THROTTLE's where absent. */
  readonly throttle?: Partial<ApiThrottle>;
}

/**
 * The HTTP API: `ANY <path>` for every route of `shared/routes.ts` (the handler answers 405 for a method it
 * does not serve, in PaddleFlow's shape) and `$default` to the fallback's 404.
 */
export class FloeApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FloeApiProps) {
    super(scope, id);
    const { handlers } = props;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: "Floe: PaddleFlow's REST API v1",
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('NotFoundIntegration', handlers.fallback.function),
    });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "PaddleFlow's clients authenticate with the token that POST /login issues, sent in its own header; " +
        "the handlers verify it (signature and the user's current password) and answer in PaddleFlow's error " +
        'shape. Login and the 404 fallback are public by design.',
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetentionOf(this) });
    this.stage = this.httpApi.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...DEFAULT_API_THROTTLE, ...props.throttle },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    for (const name of resourceNames) {
      const fn = handlers.resources[name].function;
      const integration = new HttpLambdaIntegration(`${name}Integration`, fn);
      for (const route of resources[name].routes) {
        this.httpApi.addRoutes({ path: gatewayPath(route), methods: [HttpMethod.ANY], integration });
      }
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
