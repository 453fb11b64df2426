import { Module } from '@nestjs/common';
import { ProvisioningSteps } from './provisioning';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

@Module({
  controllers: [TenantsController],
  providers: [TenantsService, ProvisioningSteps],
  exports: [TenantsService, ProvisioningSteps],
})
export class TenancyModule {}
