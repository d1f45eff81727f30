"""The article's CLR-on-MNIST experiment, reproduced with controls.

Private: used only by the `keras-clr demo` command. `experiment` defines
the runs and trains them; `report` turns their numbers into the table,
the findings and the plots; `article` holds what the article set up and
reported.
"""
