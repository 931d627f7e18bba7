# Naming and tagging rules of the product (DECISIONS D):
# - resource names, which may not contain dots: {product-code}-{environment}-{region}-{name-tag}
# - the Name tag:                              {product-code}.{product-name}.{region}.{environment}.{name-tag}
locals {
  resource_prefix = "${var.product_code}-${var.environment}-${var.region}"
  name_tag_prefix = "${var.product_code}.${var.product_name}.${var.region}.${var.environment}"
}
