export * from './types';
export * from './planner';
export * from './variants';
export * from './scorer';
