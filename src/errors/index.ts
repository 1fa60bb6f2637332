export { Code, codeName, isCode, type CodeName, type CodeNumber } from './code.js';
export { ApiError, ERROR_DOMAIN, invalidArgument, notFound, type ApiErrorOptions } from './api-error.js';
export { httpStatusFor, toStatus, toHttpErrorBody, toGrpcError, type RpcStatus } from './status-mapping.js';
