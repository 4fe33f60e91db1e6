/** ioredis behind a module of its own, so the redis target loads it on use (see RedisTransport.connect). */
export { Redis } from 'ioredis';
