import { SetMetadata } from '@nestjs/common';
import type { Permission } from '@baton/contracts';

export const PERMISSION = Symbol('baton:permission');

/** The permission (PERMISSIONS in libs/contracts) a route needs; routes without one are public (probes, metrics, docs). */
export const RequiresPermission = (permission: Permission) => SetMetadata(PERMISSION, permission);
