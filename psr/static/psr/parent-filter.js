'use strict';
// The PSR list's filter by parent (templates/admin/psr/parent_filter.html): picking a parent in the autocomplete, or
// clearing it, reloads the list with the filter's parameter set or removed, the other filters and search kept.
{
    const $ = django.jQuery;
    $(function() {
        $('#psr-parent-filter').on('change', function() {
            const url = new URL(window.location.href);
            const parameter = this.dataset.filterParameter;
            url.searchParams.delete('p');  // back to the first page of the new list
            if (this.value) {
                url.searchParams.set(parameter, this.value);
            } else {
                url.searchParams.delete(parameter);
            }
            window.location.assign(url.toString());
        });
    });
}
