/* Fuel colours of the explorer: a fixed map from an AIB EECS fuel-source type to a colour of Paul Tol's "muted"
   qualitative scheme (https://personal.sron.nl/~pault/#sec:qualitative), designed to stay distinct under
   deuteranopia, protanopia and tritanopia. The same fuel gets the same colour on every page and every PSR. */
(function () {
  "use strict";
  var TOL_MUTED = {
    rose: "#CC6677", indigo: "#332288", sand: "#DDCC77", green: "#117733", cyan: "#88CCEE",
    wine: "#882255", teal: "#44AA99", olive: "#999933", purple: "#AA4499", paleGrey: "#DDDDDD",
  };
  // Checked in order against the lower-cased AIB type name ("Renewable - Heating and cooling - Solar - Unspecified").
  var RULES = [
    [/solar/, "sand"],
    [/wind/, "cyan"],
    [/hydro|marine|tidal|wave/, "indigo"],
    [/nuclear/, "purple"],
    [/geothermal/, "teal"],
    [/^fossil - gaseous|natural gas/, "rose"],
    [/^fossil - solid|coal|lignite|peat/, "wine"],
    [/^fossil - liquid|petroleum|oil/, "olive"],
    [/^renewable - solid|^renewable - liquid|wood|biomass|biodiesel|bioethanol/, "green"],
  ];
  // Everything else (renewable gases such as landfill gas and biogas, "Other", unknown names): the scheme's grey.
  function fuelColour(name) {
    var lower = String(name || "").toLowerCase();
    for (var i = 0; i < RULES.length; i++) {
      if (RULES[i][0].test(lower)) return TOL_MUTED[RULES[i][1]];
    }
    return TOL_MUTED.paleGrey;
  }
  // For series that are not fuels (neighbours, timeframes): the scheme in its published order.
  var ORDERED = ["indigo", "rose", "teal", "sand", "wine", "cyan", "olive", "green", "purple"].map(function (k) {
    return TOL_MUTED[k];
  });
  window.CDSC_PALETTE = { colours: TOL_MUTED, ordered: ORDERED, fuelColour: fuelColour };
})();
