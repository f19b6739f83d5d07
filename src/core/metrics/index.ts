export * from './numerics';
export * from './spans';
export * from './aggregate';
export * from './align';
