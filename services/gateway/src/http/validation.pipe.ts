import { ValidationPipe } from '@nestjs/common';
import { fieldErrorsOf, RpcProblemError } from '@baton/contracts';

/** DTO validation for every route: unknown fields are errors, and each error names its path. */
export const requestValidationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) => RpcProblemError.invalid('the request is invalid', fieldErrorsOf(errors)),
});
