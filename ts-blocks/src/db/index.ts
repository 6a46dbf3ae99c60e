export * from './config';
export * from './errors';
export * from './pool';
export * from './init';
