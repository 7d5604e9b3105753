import { z } from 'zod';
import { TodoCreate, TodoUpdate, ListTasksArgs } from '@todo/contract';
console.log(JSON.stringify(z.toJSONSchema(TodoCreate, { io: 'input', unrepresentable: 'any' })));
console.log(JSON.stringify(z.toJSONSchema(TodoUpdate, { io: 'input', unrepresentable: 'any' })));
console.log(JSON.stringify(z.toJSONSchema(ListTasksArgs, { io: 'input', unrepresentable: 'any' })));
