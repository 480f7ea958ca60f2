export * from './product';
export * from './quote';
export * from './problem';
