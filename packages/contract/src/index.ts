export * from './constants.js';
export * from './todos.js';
export * from './errors.js';
