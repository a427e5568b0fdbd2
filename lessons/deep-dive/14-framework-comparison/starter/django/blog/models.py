"""The posts; the users are Django's own (django.contrib.auth.models.User).

TODO (d14): a Post model with title (at most 120 characters), body, category (tech, life or
news: models.TextChoices), created_at (aware, `default=timezone.now`) and author (a
ForeignKey to settings.AUTH_USER_MODEL), newest first (`Meta.ordering`). Then
`python manage.py makemigrations blog` writes its migration, and `migrate` applies it.
"""
