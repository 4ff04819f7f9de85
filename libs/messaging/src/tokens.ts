/** The name of the service hosting a Nest application: `gateway`, `coordinator`, … */
export const SERVICE_NAME = Symbol('BATON_SERVICE_NAME');
