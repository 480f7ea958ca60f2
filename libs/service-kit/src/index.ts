// Loads pino-http's augmentation of IncomingMessage (`req.id`, `req.log`) for every importer.
export type { HttpLogger } from 'pino-http';

export { baseConfigSchema, ConfigError, envInteger, loadConfig, logLevels } from './config';
export type { BaseConfig, ConfigIssue, LogLevel } from './config';
export { createLogger, createSilentLogger } from './logger';
export { HttpProblem, parseOrProblem, problemContentType, problems } from './problems';
export type { FieldError, ProblemDocument, ProblemInit } from './problems';
export { errorHandler, notFoundHandler, problemFromError, sendProblem } from './error-handler';
export { requestIdHeader, resolveRequestId, traceIdFromTraceparent } from './request-id';
export { defaultCheckTimeoutMs, livenessPath, readinessPath } from './health';
export type { CheckResult, Health } from './health';
export type { Lifecycle } from './lifecycle';
export { createServiceContext } from './context';
export type { ServiceContext } from './context';
export { createApp } from './app';
export { requestPathClass, staticFiles } from './telemetry';
export type { AppOptions } from './app';
export { ShutdownError, startServer } from './server';
export type { RunningServer, StartServerOptions } from './server';
export { runService } from './run-service';
export type { RunServiceOptions } from './run-service';
export { captureLogs } from './testing/capture-logs';
export { freePort } from './testing/free-port';
export type { CapturedLogs } from './testing/capture-logs';
