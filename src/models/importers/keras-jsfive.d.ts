/** The part of jsfive (pure-JS HDF5 reader, no bundled types) that keras-hdf5.ts uses. */
declare module 'jsfive' {
  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly name: string;
    readonly shape: number[];
    /** A numpy-style type string such as '<f4' for simple types. */
    readonly dtype: unknown;
    readonly attrs: Record<string, unknown>;
    readonly value: unknown;
  }
}
