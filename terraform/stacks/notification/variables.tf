# The notification stack takes only the variables several stacks share: shared_variables.tf
# (generated from terraform/shared/variables/ by `npm run tf:variables`).
