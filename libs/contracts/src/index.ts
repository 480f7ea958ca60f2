export * from './product';
export * from './quote';
export * from './problem';
export * from './routes';
