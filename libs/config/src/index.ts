export { BatonConfig, ConfigError, loadConfig } from './baton-config';
export { Secrets, UnresolvedSecretError } from './secrets';
