"""TODO (d14): register Post with the admin (`@admin.register(Post)` on a ModelAdmin)."""
