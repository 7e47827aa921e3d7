// Where a repository's objects live in a bucket: the same relative names as on disk (`config`, `keys/<name>`,
// `data/<xx>/<name>`, …) under the repository's prefix. Every key stepvault reads a name from goes through `nameOf`,
// so a key that is not one of the repository's own objects (another application's, a hostile listing's) is never
// taken for one.

import { CONFIG_NAME, isValidObjectName, OBJECT_TYPES, type ObjectType } from '../contract.ts';
import { assertObjectName } from '../object-name.ts';

export class RepositoryKeys {
  /** '' or 'some/prefix/' */
  readonly base: string;

  constructor(prefix: string) {
    this.base = prefix ? `${prefix}/` : '';
  }

  key(type: ObjectType, name: string): string {
    assertObjectName(type, name);
    if (type === 'config') return `${this.base}${CONFIG_NAME}`;
    if (type === 'data') return `${this.base}data/${name.slice(0, 2)}/${name}`;
    return `${this.base}${type}/${name}`;
  }

  /** What a listing of a type's objects asks for. */
  prefixOf(type: ObjectType): string {
    return type === 'config' ? `${this.base}${CONFIG_NAME}` : `${this.base}${type}/`;
  }

  /** The object name of a key, when it is one of the repository's objects of that type; else undefined. */
  nameOf(type: ObjectType, key: string): string | undefined {
    const name =
      type === 'config'
        ? key === this.prefixOf(type)
          ? CONFIG_NAME
          : ''
        : key.slice(key.lastIndexOf('/') + 1);
    return isValidObjectName(type, name) && key === this.key(type, name) ? name : undefined;
  }

  /** The type of one of the repository's object keys; undefined for any other key. */
  typeOf(key: string): ObjectType | undefined {
    return OBJECT_TYPES.find(
      (type) => key.startsWith(this.prefixOf(type)) && this.nameOf(type, key) !== undefined,
    );
  }
}
