"""winsim: the simulated Windows / Alteryx Server host behind the alteryx_sim.windows.winsim connection."""
