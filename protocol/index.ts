export * from './topics.ts'
export * from './schemas.ts'
export * from './contract.ts'
export * from './codec.ts'
