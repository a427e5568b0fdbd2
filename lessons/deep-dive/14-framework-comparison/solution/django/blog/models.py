"""The posts; the users are Django's own (django.contrib.auth)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Post(models.Model):
    class Category(models.TextChoices):
        TECH = "tech"
        LIFE = "life"
        NEWS = "news"

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=10_000)
    category = models.CharField(max_length=10, choices=Category.choices)
    created_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )

    class Meta:
        ordering = ("-created_at", "-id")  # newest first

    def __str__(self):
        return self.title
