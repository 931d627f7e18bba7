output "resource_prefix" {
  description = "Prefix of every resource name: {product-code}-{environment}-{region}."
  value       = local.resource_prefix
}

output "names" {
  description = "Resource name per name tag: {product-code}-{environment}-{region}-{name-tag}."
  value       = { for t in var.name_tags : t => "${local.resource_prefix}-${t}" }
}

output "name_tags" {
  description = "Name tag value per name tag: {product-code}.{product-name}.{region}.{environment}.{name-tag}."
  value       = { for t in var.name_tags : t => "${local.name_tag_prefix}.${t}" }
}

output "tags" {
  description = "Tags every resource of the stack carries (used as provider default_tags)."
  value = {
    Environment   = var.environment
    ProductCode   = var.product_code
    InventoryCode = var.inventory_code
    iacRepo       = var.iac_repo
  }
}

output "step_fn_log_group_name" {
  description = "CloudWatch log group of the stack's state machine: /aws/vendedlogs/states/{product-code}-{environment}-{inventory-code}-step-fn."
  value       = "/aws/vendedlogs/states/${var.product_code}-${var.environment}-${var.inventory_code}-step-fn"
}
