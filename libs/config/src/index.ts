export { BatonConfig, ConfigError, loadConfig } from './baton-config';
