from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 500


class StandardPagination(PageNumberPagination):
    """`?page=2&page_size=100`; at most 500 rows a page. A page or page size that is not a positive whole
    number (`page=-218`, `page_size=null`, given twice) is a 400 naming the parameter, never ignored."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        for name, upper in (("page", None), ("page_size", MAX_PAGE_SIZE)):
            values = request.query_params.getlist(name)
            if not values:
                continue
            if len(values) > 1:
                errors[name] = [f"Give {name} once."]
            elif not values[0].isascii() or not values[0].isdigit() or int(values[0]) < 1:
                errors[name] = ["A whole number of at least 1."]
            elif upper is not None and int(values[0]) > upper:
                errors[name] = [f"At most {upper}."]
        if errors:
            raise ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == "page_size":
                parameter["schema"]["maximum"] = MAX_PAGE_SIZE
        return parameters
