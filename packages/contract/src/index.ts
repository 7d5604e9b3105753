export * from './constants.js';
export * from './todos.js';
export * from './errors.js';
export * from './chat.js';
