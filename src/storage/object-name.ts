// Validation of object names shared by backends: a hostile or buggy caller never reaches the file system or a
// bucket with a name that is not lowercase hex.

import { StepvaultError } from '../common/errors.ts';
import { isValidObjectName, type ObjectType } from './contract.ts';

export function assertObjectName(type: ObjectType, name: string): void {
  if (!isValidObjectName(type, name)) {
    throw new StepvaultError('usage', `invalid ${type} object name ${JSON.stringify(name)}`, {
      hint: 'object names are lowercase hex digests; this is a bug or a tampered listing',
    });
  }
}

export function notFound(location: string, type: ObjectType, name: string): StepvaultError {
  return new StepvaultError('not-found', `${type}/${name} does not exist in ${location}`);
}

export function alreadyExists(location: string, type: ObjectType, name: string): StepvaultError {
  return new StepvaultError('already-exists', `${type}/${name} already exists in ${location}`, {
    hint: 'objects are write-once; an object of this name was written before',
  });
}

export function truncated(type: ObjectType, name: string, size: number, offset: number, length: number) {
  return new StepvaultError(
    'corrupt',
    `${type}/${name} is ${size} bytes but bytes ${offset}..${offset + length} were requested: the object is truncated`,
    { hint: 'run `stepvault check --read-data` to see what is affected' },
  );
}
