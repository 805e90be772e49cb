app_name = "barometer"

urlpatterns: list = []
