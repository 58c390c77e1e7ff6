"""Builders shared by the EIA adapter tests: the API's JSON response, the inventory's header, the heads of files."""

import json

FUEL_HEADER = "period,respondent,respondent-name,fueltype,type-name,value,value-units"
INTERCHANGE_HEADER = "period,fromba,fromba-name,toba,toba-name,value,value-units"
REGION_HEADER = "period,respondent,respondent-name,type,type-name,value,value-units"
INVENTORY_HEADER = (
    "period,stateid,stateName,sector,sectorName,entityid,entityName,plantid,plantName,generatorid,unit,technology,"
    "energy_source_code,energy-source-desc,prime_mover_code,balancing_authority_code,balancing-authority-name,status,"
    "statusDescription,nameplate-capacity-mw,nameplate-capacity-mw-units"
)


def api_json(*items: dict) -> str:
    """An EIA API v2 response as the API writes it: metadata, the data, then the request that was made."""
    return json.dumps(
        {
            "response": {"total": str(len(items)), "dateFormat": 'YYYY-MM-DD"T"HH24', "frequency": "hourly",
                         "data": list(items), "description": "Hourly demand ..."},
            "request": {"command": "/v2/electricity/rto/fuel-type-data/data/", "params": {"api_key": "x"}},
            "apiVersion": "2.1.8",
        }
    )  # fmt: skip


# The start of a file of each EIA layout (CSV and JSON) and of some other formats: what sniffing sees.
HEADS = {
    "fuel": FUEL_HEADER,
    "interchange": INTERCHANGE_HEADER,
    "region": REGION_HEADER,
    "fuel-json": api_json({"period": "2021-06-01T00", "respondent": "CISO", "respondent-name": "x", "fueltype": "NG",
                           "type-name": "Natural gas", "value": 1, "value-units": "megawatthours"}),
    "interchange-json": api_json({"period": "2021-06-01T00", "fromba": "CISO", "fromba-name": "x", "toba": "SRP",
                                  "toba-name": "y", "value": 1, "value-units": "megawatthours"}),
    "region-json": api_json({"period": "2021-06-01T00", "respondent": "CISO", "respondent-name": "x", "type": "D",
                             "type-name": "Demand", "value": 1, "value-units": "megawatthours"}),
    "inventory": INVENTORY_HEADER,
    "inventory-json": api_json({"period": "2021-06", "plantid": "56143", "plantName": "R", "generatorid": "4",
                                "balancing_authority_code": "CISO", "nameplate-capacity-mw": 48}),
    "canonical": "psr,quantity,start,end,value",
    "api-json": '{"id": "US-WECC-CISO", "unit": "MWh", "demand": [{"startDatetime": "2022-06-01T00:00:00Z"',
    "entsoe-generation": '"Area","MTU","Biomass  - Actual Aggregated [MW]","Fossil Gas  - Actual Aggregated [MW]"',
    "entsoe-flow": '"Time (UTC)","BZN|FR > BZN|ES [MW]","BZN|ES > BZN|FR [MW]"',
    "elexon-flows": "recordType,settlementDate,startTimeOfHalfHrPeriod,intfrGeneration,intirlGeneration,activeFlag",
}  # fmt: skip
