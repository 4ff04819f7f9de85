import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto, RpcProblemError, type RpcRequest } from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import type { Response } from 'express';
import { YAML_MEDIA_TYPES } from '../http/http-server';
import { RequiresPermission } from '../auth/requires-permission.decorator';

type DefinitionInput = RpcRequest<'baton.rpc.registry.register'>;

@ApiTags('definitions')
@Controller('v1/definitions')
export class DefinitionsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @RequiresPermission('definitions.register')
  @ApiOperation({ summary: 'Register a definition: 201 with the new version, 200 when identical to the latest' })
  @ApiConsumes('application/json', ...YAML_MEDIA_TYPES)
  async register(@Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    const { created, definition } = await this.rpc.call('baton.rpc.registry.register', definitionInput(body));
    response.status(created ? 201 : 200);
    return { ...definition, created };
  }

  @Post('validate')
  @RequiresPermission('definitions.validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate without registering: 200 {valid: true} or 400 with every error and its path' })
  @ApiConsumes('application/json', ...YAML_MEDIA_TYPES)
  validate(@Body() body: unknown) {
    return this.rpc.call('baton.rpc.registry.validate', definitionInput(body));
  }

  @Get()
  @RequiresPermission('definitions.read')
  @ApiOperation({ summary: 'List workflows with their latest version' })
  list(@Query() query: PageQueryDto) {
    return this.rpc.call('baton.rpc.registry.list', { limit: query.limit, cursor: query.cursor });
  }

  @Get(':name')
  @RequiresPermission('definitions.read')
  @ApiOperation({ summary: 'The latest version of a definition' })
  latest(@Param('name') name: string) {
    return this.rpc.call('baton.rpc.registry.get', { name });
  }

  @Get(':name/versions/:version')
  @RequiresPermission('definitions.read')
  @ApiOperation({ summary: 'One version of a definition' })
  version(@Param('name') name: string, @Param('version', ParseIntPipe) version: number) {
    return this.rpc.call('baton.rpc.registry.get', { name, version });
  }
}

/** YAML arrives as text (see the body parsers), JSON as a parsed object. */
function definitionInput(body: unknown): DefinitionInput {
  if (typeof body === 'string') return { text: body, format: 'yaml' };
  if (body && typeof body === 'object' && Object.keys(body).length > 0) return { document: body };
  throw RpcProblemError.invalid('send the definition as application/json or application/yaml', [
    { path: '', message: 'the request has no definition in its body' },
  ]);
}
