import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { fieldErrorsOf } from '@baton/contracts';

const toBoolean = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : ['1', 'true', 'yes'].includes(String(value).toLowerCase());
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Every setting Baton reads from the environment (DESIGN.md §7), with local defaults. */
export class BatonConfig {
  @Matches(/^(nats|tls):\/\/[^\s]+$/, { message: 'NATS_URL must look like nats://host:port' })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsOptional()
  @IsString()
  NATS_USER?: string;

  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string;

  @Matches(/^postgres(ql)?:\/\/[^\s]+\/[A-Za-z0-9_]+(\?[^\s]*)?$/, {
    message: 'DATABASE_URL must look like postgres://user@host:5432/database',
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/baton';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  BATON_HTTP_PORT = 8080;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  BATON_GRPC_PORT = 50051;

  /**
   * Port of `GET /metrics` for a service run as its own process (the gateway serves it on the API
   * port); 0 takes any free port. Services sharing a host need one each.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  BATON_METRICS_PORT = 9464;

  /**
   * `key:role,key:role` (roles `admin`, `operator`, `viewer`; keys of at least 16 characters without
   * `:`, `,` or spaces). Set, every admin call needs `Authorization: Bearer <key>`; unset, the API
   * binds to loopback only.
   */
  @IsOptional()
  @Matches(/^[^:,\s]{16,}:(admin|operator|viewer)(,[^:,\s]{16,}:(admin|operator|viewer))*$/, {
    message: 'BATON_API_KEYS must be key:role pairs separated by commas (roles admin, operator, viewer; keys of 16+ characters)',
  })
  BATON_API_KEYS?: string;

  /** OIDC: the JWKS URL of your identity provider; set, a bearer JWT it signed is accepted beside API keys. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'BATON_OIDC_JWKS_URL must be an http(s) URL' })
  BATON_OIDC_JWKS_URL?: string;

  /** OIDC: the `iss` a token must carry (checked when set). */
  @IsOptional()
  @IsString()
  BATON_OIDC_ISSUER?: string;

  /** OIDC: the `aud` a token must carry (checked when set). */
  @IsOptional()
  @IsString()
  BATON_OIDC_AUDIENCE?: string;

  /** OIDC: the claim holding the Baton role (`admin`, `operator`, `viewer`), a string or a list (the strongest wins). */
  @IsString()
  BATON_OIDC_ROLE_CLAIM = 'baton_role';

  /** Address the HTTP API binds to. */
  @IsString()
  BATON_HTTP_HOST = '127.0.0.1';

  /** Prefix for every subject and stream, so test runs and tenants can share one NATS. Empty in production. */
  @Matches(/^([a-z0-9_-]+)?$/, { message: 'BATON_NAMESPACE must be lower-case letters, digits, "_" or "-"' })
  BATON_NAMESPACE = '';

  /** JetStream replicas per stream: 1 on one server, 3 on a clustered JetStream (DESIGN.md §8). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5)
  BATON_STREAM_REPLICAS = 1;

  /**
   * Largest accepted HTTP request body, in bytes. Kept well under NATS's default 1 MiB `max_payload`:
   * bodies travel on to the services as JSON, where escaping can double a YAML document's size.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  BATON_MAX_BODY_BYTES = 512 * 1024;

  /**
   * How long, in seconds, an event is kept for `waitForEvent` steps that begin waiting after it
   * arrived (an early event is not lost); 0 turns the buffer off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  BATON_EVENT_BUFFER_SECONDS = 600;

  /** SMTP server for e-mail notifications, e.g. smtp://user:pass@mail.local:587 or smtps://…; e-mail is off without it. */
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s]+$/, { message: 'BATON_SMTP_URL must look like smtp://host:port or smtps://host:port' })
  BATON_SMTP_URL?: string;

  @IsString()
  BATON_SMTP_FROM = 'Baton <baton@localhost>';

  /** Attempts per notification delivery before it is dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  BATON_NOTIFY_MAX_ATTEMPTS = 10;

  /** Wait before the second attempt of a delivery, doubled for each further one (at most 10 minutes). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  BATON_NOTIFY_RETRY_INITIAL_MS = 2000;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @Transform(toBoolean)
  @IsBoolean()
  OTEL_SDK_DISABLED = false;

  @Matches(/^(fatal|error|warn|log|debug|verbose)$/, { message: 'BATON_LOG_LEVEL must be one of fatal, error, warn, log, debug, verbose' })
  BATON_LOG_LEVEL = 'log';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment once; a wrong value stops start-up with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BatonConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(BatonConfig, defined, { excludeExtraneousValues: false });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length > 0) {
    const lines = fieldErrorsOf(errors).map((e) => `  ${e.path}: ${e.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}
