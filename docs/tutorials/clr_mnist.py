# %% [markdown]
# # stub
