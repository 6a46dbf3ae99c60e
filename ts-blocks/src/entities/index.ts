import { ConfigError } from '../core/errors';
import type { DateField, Entity } from '../core/types';
import { customers } from './customers';
import { invoices } from './invoices';
import { items } from './items';
import type { DateFieldMapping, EntityDefinition } from './types';

export type { DateFieldMapping, EntityDefinition };

export const ENTITY_DEFINITIONS: Readonly<Record<Entity, EntityDefinition>> = Object.freeze({ invoices, customers, items });

export function entityDefinition(entity: Entity): EntityDefinition {
  return ENTITY_DEFINITIONS[entity];
}

/** The mapping for a date field; ConfigError when the entity does not support it. */
export function dateFieldMapping(definition: EntityDefinition, dateField: DateField): DateFieldMapping {
  const mapping = definition.dateFields[dateField];
  if (!mapping) {
    throw new ConfigError(`date_field ${dateField} is not available for ${definition.name}; use last_updated.`, {
      code: 'CONFIG_INVALID_VARIABLE',
      context: { variable: 'date_field' },
    });
  }
  return mapping;
}
