from django.urls import path

from blog import api, views

urlpatterns = [
    path("api/v1/users", api.users),
    path("api/v1/tokens", api.tokens),
    path("api/v1/posts", api.posts, name="posts"),
    path("api/v1/posts/<int:post_id>", api.post, name="post"),
    path("posts/<int:post_id>", views.show_post, name="show_post"),
]
