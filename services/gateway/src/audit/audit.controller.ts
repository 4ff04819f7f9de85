import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '@baton/contracts';
import { RequiresPermission } from '../auth/requires-permission.decorator';
import { AuditLog } from './audit-log';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @RequiresPermission('audit.read')
  @ApiOperation({ summary: 'Every mutating call and every denied call, newest first (admin only)' })
  list(@Query() query: PageQueryDto) {
    return this.audit.page(query.limit, query.cursor);
  }
}
