export * from './honeypot.js';
