app_name = "selfassess"

urlpatterns: list = []
