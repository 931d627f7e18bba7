# selection-step-fn: started by a campaign manager per market with { campaignId, marketId,
# dateId, selectionCount? }; invokes enqueueMarketSelections until it returns done = true. When a
# page fails in any way (including a Lambda timeout or running out of memory), the ReportFailure
# state invokes the same function with the request and the caught error, so it writes FAILED
# stats; both task states use the one ${enqueueMarketSelections} placeholder below.
module "selection_step_fn" {
  source = "../../modules/state-machine"

  name               = local.names["selection-step-fn"]
  name_tag           = local.name_tags["selection-step-fn"]
  definition_path    = "${path.module}/selection-step-fn.asl.json"
  log_group_name     = module.naming.step_fn_log_group_name
  log_retention_days = var.log_retention_days

  lambda_function_arns = {
    enqueueMarketSelections = module.enqueueMarketSelections.function_arn
  }
}
