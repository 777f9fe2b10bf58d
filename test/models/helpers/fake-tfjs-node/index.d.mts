export declare const version: { 'tfjs-core': string; 'tfjs-node': string };
